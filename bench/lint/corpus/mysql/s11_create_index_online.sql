CREATE INDEX idx_customers_email ON customers (email) ALGORITHM=INPLACE LOCK=NONE;
