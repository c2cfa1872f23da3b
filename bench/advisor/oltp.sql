-- OLTP workload on the TPC-H schema: what an order-management application sends (constants inlined so every
-- advisor sees the same statements). Point lookups, histories ordered by date with LIMIT, joins by key, ranges.
SELECT c_custkey, c_name, c_acctbal FROM customer WHERE c_custkey = 4242;
SELECT c_custkey, c_name FROM customer WHERE c_phone = '21-758-395-1236';
SELECT c_custkey, c_acctbal FROM customer WHERE c_name = 'Customer#000004242';
SELECT o_orderkey, o_orderdate, o_totalprice, o_orderstatus FROM orders WHERE o_custkey = 4242 ORDER BY o_orderdate DESC LIMIT 20;
SELECT count(*) FROM orders WHERE o_custkey = 4242 AND o_orderstatus = 'O';
SELECT l_linenumber, l_partkey, l_quantity, l_extendedprice FROM lineitem WHERE l_orderkey = 1234567;
SELECT l_orderkey, l_quantity, l_shipdate FROM lineitem WHERE l_partkey = 4242 ORDER BY l_shipdate DESC LIMIT 10;
SELECT l_orderkey, l_linenumber, l_commitdate FROM lineitem WHERE l_suppkey = 77 AND l_shipdate > DATE '1998-08-01';
SELECT p_partkey, p_retailprice FROM part WHERE p_name = 'khaki blue bisque pale light';
SELECT ps_partkey, ps_availqty FROM partsupp WHERE ps_suppkey = 77 ORDER BY ps_availqty DESC LIMIT 20;
SELECT p_partkey, p_name, p_retailprice FROM part WHERE p_brand = 'Brand#23' AND p_size = 15 ORDER BY p_retailprice LIMIT 20;
SELECT o_orderkey, o_custkey, o_totalprice FROM orders WHERE o_orderdate = DATE '1995-03-15' ORDER BY o_totalprice DESC LIMIT 50;
SELECT count(*) FROM orders WHERE o_clerk = 'Clerk#000000421' AND o_orderdate BETWEEN DATE '1996-01-01' AND DATE '1996-03-31';
SELECT c.c_name, o.o_orderkey, o.o_totalprice FROM customer c JOIN orders o ON o.o_custkey = c.c_custkey WHERE c.c_custkey = 4242 ORDER BY o.o_orderdate DESC LIMIT 10;
SELECT o.o_orderdate, l.l_linenumber, p.p_name FROM orders o JOIN lineitem l ON l.l_orderkey = o.o_orderkey JOIN part p ON p.p_partkey = l.l_partkey WHERE o.o_orderkey = 1234567;
SELECT count(*) FROM lineitem WHERE l_suppkey = 1234 AND l_receiptdate > l_commitdate;
SELECT c_custkey, c_name, c_acctbal FROM customer WHERE c_nationkey = 7 ORDER BY c_acctbal DESC LIMIT 10;
SELECT o_orderkey, o_orderdate FROM orders WHERE o_orderpriority = '1-URGENT' AND o_orderstatus = 'O' ORDER BY o_orderdate DESC LIMIT 20;
SELECT ps_suppkey, ps_supplycost FROM partsupp WHERE ps_partkey = 4242 ORDER BY ps_supplycost LIMIT 5;
SELECT s_suppkey, s_phone FROM supplier WHERE s_name = 'Supplier#000000077';
SELECT o.o_orderkey, o.o_totalprice FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey WHERE c.c_nationkey = 7 AND o.o_orderdate >= DATE '1998-07-01';
SELECT count(*) FROM lineitem WHERE l_shipdate = DATE '1995-06-17' AND l_shipmode = 'AIR';
SELECT sum(l_quantity) FROM lineitem WHERE l_partkey = 155190 AND l_suppkey = 7706;
SELECT c_custkey, c_acctbal FROM customer WHERE lower(c_name) = 'customer#000004242';
SELECT o_orderkey, o_totalprice FROM orders WHERE o_custkey = 4242 AND o_orderdate >= DATE '1997-01-01' ORDER BY o_orderdate;
