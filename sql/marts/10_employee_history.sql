-- employee_history: SCD type 2; grain one employee state; key (nip, valid_from).
-- valid_to is exclusive (null = open); is_current marks the latest state per NIP.
create table employee_history as
select
    v.*,
    (v.valid_to is null) as is_current
from int_employee_versions v
