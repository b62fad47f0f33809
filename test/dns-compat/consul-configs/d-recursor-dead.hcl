# Config (d): every recursor is down (blackhole, then closed port): SERVFAIL and its timing.
alt_domain = "alt"
recursors  = ["127.0.0.42:34655", "127.0.0.42:34656"]
dns_config {
  recursor_timeout = "1s"
}
