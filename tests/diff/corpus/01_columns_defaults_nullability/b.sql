CREATE TABLE public.customer (
    id integer NOT NULL,
    name text NOT NULL DEFAULT 'anonymous',
    email varchar(200),
    created_at timestamptz DEFAULT clock_timestamp(),
    score numeric(10,2) DEFAULT 0 NOT NULL,
    tags text[] DEFAULT '{}'::text[]
);
