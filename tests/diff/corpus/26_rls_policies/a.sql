CREATE TABLE public.secret (id int, owner_name text, body text);
CREATE TABLE public.open_data (id int);
ALTER TABLE public.open_data ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON public.open_data USING (true);
