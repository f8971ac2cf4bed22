# The HCL form of plan.json: `grantcheck check examples/cross-account` reads these files,
# `grantcheck check examples/cross-account/plan.json` the plan made from them.

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

locals {
  owner   = "111122223333"
  partner = "444455556666"
}

# Shared with the partner account, encrypted with a key whose policy lets the partner decrypt.
resource "aws_kms_key" "shared" {
  description         = "shared with the partner account"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Owner"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.owner}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "PartnerDecrypt"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.partner}:root" }
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = "*"
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.eu-west-1.amazonaws.com" } }
      },
    ]
  })
}

resource "aws_secretsmanager_secret" "db" {
  name       = "app/db"
  kms_key_id = aws_kms_key.shared.arn
}

data "aws_iam_policy_document" "partner_read" {
  statement {
    sid       = "PartnerRead"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.partner}:root"]
    }
  }
}

resource "aws_secretsmanager_secret_policy" "db" {
  secret_arn          = aws_secretsmanager_secret.db.arn
  block_public_policy = true
  policy              = data.aws_iam_policy_document.partner_read.json
}

# XA001 and XA002: an exact role of another account, and no customer managed key.
resource "aws_secretsmanager_secret" "api" {
  name = "app/api-token"
}

resource "aws_secretsmanager_secret_policy" "api" {
  secret_arn          = aws_secretsmanager_secret.api.arn
  block_public_policy = true
  policy              = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PartnerRead",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::777788889999:role/reader"},
      "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
      "Resource": "*"
    }
  ]
}
POLICY
}

# XA003: the key policy does not let the partner decrypt.
resource "aws_kms_key" "reports" {
  description         = "reports"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Owner"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${local.owner}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_secretsmanager_secret" "reports" {
  name       = "app/reports"
  kms_key_id = aws_kms_key.reports.arn
}

resource "aws_secretsmanager_secret_policy" "reports" {
  secret_arn          = aws_secretsmanager_secret.reports.arn
  block_public_policy = true
  policy              = data.aws_iam_policy_document.partner_read.json
}

# PA001 and XA002: public, with the AWS managed key.
resource "aws_secretsmanager_secret" "legacy" {
  name       = "app/legacy"
  kms_key_id = "alias/aws/secretsmanager"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }]
  })
}
