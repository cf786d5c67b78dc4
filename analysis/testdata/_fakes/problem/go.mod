module example.com/problem

go 1.22
