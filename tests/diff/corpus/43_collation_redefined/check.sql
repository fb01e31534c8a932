SELECT array_agg(name ORDER BY name) = '{a,b}' FROM public.tag
