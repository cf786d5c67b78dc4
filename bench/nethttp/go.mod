module example.com/benchnethttp

go 1.22
