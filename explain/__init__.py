"""`detachcheck explain`: read a deployment's Nova and Cinder logs about one volume, find the model paths
that print them, and say what state the volume is in, which known bug this is and how to repair it."""
