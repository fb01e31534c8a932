CREATE TYPE public.level AS ENUM ('high', 'mid', 'low');
CREATE DOMAIN public.alert_level AS public.level NOT NULL;
CREATE TABLE public.alert (id int, lvl public.alert_level DEFAULT 'low');
