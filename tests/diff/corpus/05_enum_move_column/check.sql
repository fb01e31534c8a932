SELECT current::text = 'sad' AND history::text = '{ok,happy}' FROM public.person WHERE id = 1
