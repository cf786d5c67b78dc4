// Command ginsvc is a gin service: its statuses are the code arguments of the
// context's responders (Redirect and 2xx are not errors), and the 400 its Bind methods answer.
package main

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
)

func main() {
	r := gin.New()
	r.GET("/accounts/:id", getAccount)
	r.POST("/pay", pay)
	r.GET("/old", func(c *gin.Context) { c.Redirect(http.StatusFound, "/new") })
	r.Run("127.0.0.1:0")
}

func getAccount(c *gin.Context) {
	switch c.Param("id") {
	case "":
		c.String(http.StatusPreconditionRequired, "no If-Match")
	case "gone":
		c.AbortWithStatus(http.StatusGone)
	case "xml":
		c.XML(http.StatusNotAcceptable, gin.H{})
	case "raw":
		c.Data(http.StatusUnsupportedMediaType, "text/plain", nil)
	case "teapot":
		c.Status(http.StatusTeapot)
	case "nobody":
		c.JSON(http.StatusNotFound, gin.H{"error": "no account"})
	default:
		c.JSON(http.StatusOK, gin.H{})
	}
}

func pay(c *gin.Context) {
	var req struct{ Card string }
	if err := c.BindJSON(&req); err != nil {
		return // gin has answered 400
	}
	if req.Card == "" {
		c.AbortWithError(http.StatusUnauthorized, errors.New("no card"))
		return
	}
	c.AbortWithStatusJSON(402, gin.H{"error": "declined"})
}
