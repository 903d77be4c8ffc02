"""Loopback HTTP emulators of the services' contracts (real sockets), with fault switches."""
