CREATE TABLE IF NOT EXISTS order_channels (
    code text PRIMARY KEY,
    label text NOT NULL
);
INSERT INTO order_channels (code, label) VALUES ('web', 'Web shop'), ('pos', 'Point of sale')
ON CONFLICT (code) DO NOTHING;
