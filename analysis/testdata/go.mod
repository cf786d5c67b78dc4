module example.com/svc

go 1.22

require (
	example.com/problem v0.0.0
	github.com/gin-gonic/gin v1.10.1
	github.com/go-chi/render v1.0.3
	github.com/labstack/echo/v4 v4.13.4
	google.golang.org/grpc v0.0.0
)

replace (
	example.com/problem => ./_fakes/problem
	github.com/gin-gonic/gin => ./_fakes/gin
	github.com/go-chi/render => ./_fakes/render
	github.com/labstack/echo/v4 => ./_fakes/echo
	google.golang.org/grpc => ./_fakes/grpc
)
