module github.com/google/go-github/v75

go 1.21
