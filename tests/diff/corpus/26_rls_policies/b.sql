CREATE TABLE public.secret (id int, owner_name text, body text);
ALTER TABLE public.secret ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.secret FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON public.secret FOR SELECT TO diff_reader USING (owner_name = current_user);
CREATE POLICY writers ON public.secret AS RESTRICTIVE FOR UPDATE TO diff_writer, diff_reader USING (true) WITH CHECK (body IS NOT NULL);
CREATE TABLE public.open_data (id int);
CREATE POLICY everyone ON public.open_data FOR INSERT WITH CHECK (id > 0);
