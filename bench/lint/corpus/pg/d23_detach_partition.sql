SET lock_timeout = '3s';

ALTER TABLE measurements DETACH PARTITION measurements_2023;
