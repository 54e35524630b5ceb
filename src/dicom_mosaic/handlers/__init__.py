"""Adapters from event shapes (direct invoke, API Gateway, S3) to :func:`dicom_mosaic.render`."""
