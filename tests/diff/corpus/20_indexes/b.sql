CREATE TABLE public.product (id int, sku text, name text, price numeric, deleted boolean);
CREATE INDEX product_name_idx ON public.product (lower(name));
CREATE UNIQUE INDEX product_sku_live_idx ON public.product (sku) WHERE NOT deleted;
CREATE INDEX product_price_brin ON public.product USING brin (price);
CREATE INDEX product_cover_idx ON public.product (id) INCLUDE (name, price);
