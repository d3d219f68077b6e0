// Package deploy holds the production deployment files; its tests check them.
package deploy
