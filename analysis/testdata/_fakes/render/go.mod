module github.com/go-chi/render

go 1.22
