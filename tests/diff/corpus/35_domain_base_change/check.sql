SELECT c = 'FR' FROM public.country
