CREATE DOMAIN public.email AS text NOT NULL CHECK (VALUE LIKE '%@%') CONSTRAINT email_len CHECK (length(VALUE) < 300);
CREATE DOMAIN public.qty AS integer DEFAULT 0 CHECK (VALUE >= 0);
CREATE DOMAIN public.pct AS numeric(5,2) CHECK (VALUE BETWEEN 0 AND 100);
CREATE TABLE public.orders (id int, contact public.email, n public.qty, discount public.pct);
