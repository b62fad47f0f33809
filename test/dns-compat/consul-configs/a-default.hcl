# Config (a): dev defaults plus an alternate domain. Consul 1.8.7 accepts alt_domain = "alt"
# (rejected only when it starts with service., connect., node., query., addr. or "<dc>.").
alt_domain = "alt"
