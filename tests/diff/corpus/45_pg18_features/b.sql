CREATE EXTENSION btree_gist;
CREATE TABLE public.account (id int PRIMARY KEY);
CREATE TABLE public.booking (
    id int,
    account_id int REFERENCES public.account (id) NOT ENFORCED,
    during tstzrange,
    qty int CHECK (qty > 0) NOT ENFORCED,
    ref uuid DEFAULT uuidv7(),
    qty2 int GENERATED ALWAYS AS (qty * 2) VIRTUAL NOT NULL
);
ALTER TABLE public.booking ADD CONSTRAINT booking_qty_nn NOT NULL qty NOT VALID;
CREATE TABLE public.price (item int, valid tstzrange, amount numeric, PRIMARY KEY (item, valid WITHOUT OVERLAPS));
