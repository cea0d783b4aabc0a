-- dim_instansi: grain one agency (instansi); key instansi_id.
create table dim_instansi as
select * from raw_dim_instansi
