CREATE TYPE public.level AS ENUM ('low', 'mid', 'high', 'extreme');
CREATE DOMAIN public.alert_level AS public.level NOT NULL;
CREATE TABLE public.alert (id int, lvl public.alert_level DEFAULT 'low');
INSERT INTO public.alert VALUES (1, 'high');
