"""Forms check input shape and field-to-field rules; the services check everything else."""
