"""What one AWS account needs before the first `pulumi up` of hubspoke."""
