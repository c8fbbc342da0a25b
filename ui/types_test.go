package ui

import "acconsole/models"

type modelsUser = models.User
