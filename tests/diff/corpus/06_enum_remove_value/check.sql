SELECT array_agg(c::text ORDER BY id) = '{green,red}' FROM public.paint
