#!/usr/bin/env bash
# The guide's "Cleanup / Teardown" section, command for command. USER_POOL_ID, CLIENT_ID and
# REGION are the values the user kept from steps 4 and 6 (up.sh wrote them to ids.env).
# Usage: teardown.sh WORKDIR
set -euo pipefail
cd "$1"
source ./ids.env

aws cognito-idp delete-user-pool-client \
  --user-pool-id $USER_POOL_ID \
  --client-id $CLIENT_ID

aws cognito-idp delete-user-pool \
  --user-pool-id $USER_POOL_ID

for FUNCTION_NAME in email-otp-define-auth-challenge email-otp-create-auth-challenge email-otp-verify-auth-challenge; do
  aws lambda delete-function \
    --function-name $FUNCTION_NAME \
    --region $REGION
done

aws iam detach-role-policy \
  --role-name EmailOTPLambdaExecutionRole \
  --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole

aws iam detach-role-policy \
  --role-name EmailOTPLambdaExecutionRole \
  --policy-arn arn:aws:iam::aws:policy/AmazonSESFullAccess

aws iam delete-role \
  --role-name EmailOTPLambdaExecutionRole

rm -f define_auth_challenge.py define_auth_challenge.zip
rm -f create_auth_challenge.py create_auth_challenge.zip
rm -f verify_auth_challenge.py verify_auth_challenge.zip
rm -f lambda-trust-policy.json
rm -f response.json
