CREATE TABLE public.box (
    w numeric NOT NULL,
    h numeric NOT NULL,
    area numeric GENERATED ALWAYS AS (w * h * 1.0) STORED,
    perimeter numeric GENERATED ALWAYS AS (w + w + h + h) VIRTUAL,
    label text,
    plain text GENERATED ALWAYS AS (upper(color)) STORED,
    color text DEFAULT 'red',
    volume numeric GENERATED ALWAYS AS (w * h * depth) VIRTUAL,
    depth numeric DEFAULT 1
);
