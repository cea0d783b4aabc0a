-- dim_region: grain one Kemendagri region; key region_code.
create table dim_region as
select region_code, region_name, region_kind, province_code, autonomous from raw_dim_region
