// Package sim simulates the devices of the local cloud: a Fleet of devices
// of the products in package catalog (smart plug, air purifier, Zigbee
// gateway, bulb, door sensor, wall switch) that connect to the hub, answer
// commands within microseconds, send state and telemetry reports, drop
// offline and come back (churn), let sub-devices join gateways during
// match windows, and run firmware upgrades. The message layouts, their
// checks and their descriptions are the catalog's; this package holds
// what each command does to a device.
//
// The whole fleet runs off one scheduler with a single timer, so 100 000
// idle devices cost no goroutines and almost no CPU. Time comes from a
// clock.Clock: production uses the wall clock; tests use a clock.Fake and Advance
// it, so nothing sleeps.
//
// The product reference (codes, layouts, examples) is catalog/PRODUCTS.md.
package sim
