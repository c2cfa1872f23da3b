SET lock_timeout = '3s';

ALTER TABLE tags ADD CONSTRAINT tags_country_id_fkey FOREIGN KEY (country_id) REFERENCES countries (id);
