CREATE TABLE public.box (
    w numeric NOT NULL,
    h numeric NOT NULL,
    area numeric GENERATED ALWAYS AS (w * h) STORED,
    perimeter numeric GENERATED ALWAYS AS (2 * (w + h)) VIRTUAL,
    label text GENERATED ALWAYS AS ('box') STORED,
    plain text
);
