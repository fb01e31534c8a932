CREATE TABLE public.room (id int PRIMARY KEY, name text, capacity int CONSTRAINT cap_positive CHECK (capacity > 0 AND capacity < 1000), UNIQUE (name, capacity));
CREATE TABLE public.booking (
    id int PRIMARY KEY,
    room_id int REFERENCES public.room (id) ON DELETE CASCADE,
    during tstzrange,
    EXCLUDE USING gist (during WITH &&),
    CONSTRAINT booking_sane CHECK (NOT isempty(during)) NOT VALID
);
