CREATE DOMAIN public.email AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN public.qty AS integer DEFAULT 1;
CREATE TABLE public.orders (id int, contact public.email, n public.qty);
