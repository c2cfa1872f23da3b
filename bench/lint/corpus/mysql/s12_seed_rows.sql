INSERT INTO order_channels (code, label) VALUES ('web', 'Web shop'), ('pos', 'Point of sale');
