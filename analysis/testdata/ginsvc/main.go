// Command ginsvc is a gin service: its statuses are the code arguments of the
// context's responders (Redirect and 2xx are not errors).
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
		c.String(http.StatusBadRequest, "no id")
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
	if c.Param("card") == "" {
		c.AbortWithError(http.StatusUnauthorized, errors.New("no card"))
		return
	}
	c.AbortWithStatusJSON(402, gin.H{"error": "declined"})
}
