SELECT lvl::text = 'high' FROM public.alert WHERE id = 1
