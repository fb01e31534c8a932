CREATE TABLE public.doc (id int, body text, updated_at timestamptz);
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER doc_touch BEFORE UPDATE ON public.doc FOR EACH ROW EXECUTE FUNCTION public.touch();
CREATE TRIGGER doc_old AFTER DELETE ON public.doc FOR EACH ROW EXECUTE FUNCTION public.touch();
