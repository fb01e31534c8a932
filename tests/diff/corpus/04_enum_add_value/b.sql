CREATE TYPE public.status AS ENUM ('draft', 'new', 'active', 'done', 'archived');
CREATE TABLE public.task (id int, st public.status DEFAULT 'new');
