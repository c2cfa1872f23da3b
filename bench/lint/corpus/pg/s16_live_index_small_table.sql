CREATE INDEX tags_name_idx ON tags (name);
