// Command echosvc is an echo service: its statuses are the code arguments of the
// context's responders and the codes of the errors its handlers return.
package main

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func main() {
	e := echo.New()
	e.POST("/entries", createEntry)
	e.GET("/entries/:id", getEntry)
	e.Start("127.0.0.1:0")
}

func createEntry(c echo.Context) error {
	var req struct{ Amount int }
	if err := c.Bind(&req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "malformed entry")
	}
	if req.Amount > 100 {
		return &echo.HTTPError{Code: http.StatusConflict, Message: "insufficient funds"}
	}
	if req.Amount < 0 {
		return c.String(http.StatusUnprocessableEntity, "negative")
	}
	return c.JSON(http.StatusCreated, req)
}

func getEntry(c echo.Context) error {
	switch c.Param("id") {
	case "":
		return c.NoContent(http.StatusGone)
	case "blob":
		return c.Blob(http.StatusUnsupportedMediaType, "text/plain", nil)
	case "old":
		return c.Redirect(http.StatusMovedPermanently, "/")
	}
	return c.JSON(http.StatusNotFound, map[string]string{"error": "no entry"})
}
