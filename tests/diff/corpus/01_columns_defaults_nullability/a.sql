CREATE TABLE public.customer (
    id integer NOT NULL,
    name text,
    email varchar(100),
    legacy_flag boolean DEFAULT false,
    created_at timestamptz DEFAULT now()
);
