services {
  name = "s1"
  id = "s1-id"
  port = 1
}
services {
  name = "s2"
  meta { a = "b" }
  checks = [{ tcp = "localhost:1", interval = "10s" }]
}
