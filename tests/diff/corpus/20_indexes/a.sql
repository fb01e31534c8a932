CREATE TABLE public.product (id int, sku text, name text, price numeric, deleted boolean);
CREATE INDEX product_name_idx ON public.product (name);
CREATE INDEX product_old_idx ON public.product (price);
