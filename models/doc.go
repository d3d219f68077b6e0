// Package models holds the product's gorm models and the domain rules that
// need no I/O. It imports no other package of the product.
package models
