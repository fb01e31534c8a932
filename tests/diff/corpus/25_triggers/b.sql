CREATE TABLE public.doc (id int, body text, updated_at timestamptz);
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
CREATE TRIGGER doc_touch BEFORE INSERT OR UPDATE OF body ON public.doc FOR EACH ROW WHEN (NEW.body IS NOT NULL) EXECUTE FUNCTION public.touch();
CREATE FUNCTION public.log_stmt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER doc_log AFTER INSERT ON public.doc REFERENCING NEW TABLE AS fresh FOR EACH STATEMENT EXECUTE FUNCTION public.log_stmt();
ALTER TABLE public.doc DISABLE TRIGGER doc_log;
