#!/usr/bin/env python3
"""Translate infra/template.yaml into plain CloudFormation with aws-sam-translator.

The same library `sam deploy` and CloudFormation's AWS::Serverless transform run,
so what it prints is the template CloudFormation actually creates: the
HTTP API's routes, the Lambda permissions, the Function URL, the schedule
and the S3 notification that SAM generates from the functions' Events.
A state machine's local DefinitionUri is read in as `sam deploy` packages it.
infra/samtemplate_test.go checks routes and permissions on it, and
infra/moto-rehearse.sh creates a stack from it on moto.

Usage: infra/sam-translate.py [-p Name=Value ...] [TEMPLATE]   (JSON on stdout)
Pseudo-parameters default to account 123456789012, region us-east-1 and
stack name studentperf; -p AWS::Region=... overrides them.
"""
import argparse
import json
import os
import sys

import yaml
from samtranslator.translator.transform import transform


class _NoManagedPolicies:
    """The template names managed policies by ARN, so no IAM look-up is needed."""

    def load(self):
        return {}


def _loader():
    class Loader(yaml.SafeLoader):
        pass

    def tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == "Ref":
            return {"Ref": value}
        if suffix == "Condition":
            return {"Condition": value}
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {"Fn::" + suffix: value}

    Loader.add_multi_constructor("!", tag)
    # CloudFormation reads dates as strings (Version: 2012-10-17).
    Loader.yaml_implicit_resolvers = {
        k: [(t, r) for t, r in v if t != "tag:yaml.org,2002:timestamp"]
        for k, v in Loader.yaml_implicit_resolvers.items()
    }
    return Loader


def package_local_definitions(tpl, base):
    """Inline a state machine's local DefinitionUri, as `sam deploy` packages it.

    The translator takes only s3:// URIs there; `sam deploy` (and `sam
    package`) upload a local file first. Reading it in as Definition gives
    the translator the same state machine.
    """
    for res in (tpl.get("Resources") or {}).values():
        props = res.get("Properties") or {}
        uri = props.get("DefinitionUri")
        if res.get("Type") == "AWS::Serverless::StateMachine" and isinstance(uri, str) and not uri.startswith("s3://"):
            path = os.path.join(base, uri)
            if not os.path.exists(path):  # a test's copy of the template: the file beside this script
                path = os.path.join(os.path.dirname(os.path.abspath(__file__)), uri)
            with open(path, encoding="utf-8") as f:
                props["Definition"] = json.load(f)
            del props["DefinitionUri"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-p", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("template", nargs="?", default="infra/template.yaml")
    args = ap.parse_args()
    with open(args.template, encoding="utf-8") as f:
        tpl = yaml.load(f, Loader=_loader())
    params = {"AWS::AccountId": "123456789012", "AWS::Region": "us-east-1",
              "AWS::Partition": "aws", "AWS::StackName": "studentperf", "AWS::URLSuffix": "amazonaws.com"}
    for kv in args.p:
        name, _, value = kv.partition("=")
        params[name] = value
    for name, p in (tpl.get("Parameters") or {}).items():
        if name not in params and "Default" in p:
            params[name] = p["Default"]
    package_local_definitions(tpl, os.path.dirname(os.path.abspath(args.template)))
    # The translator asks boto for the region; give it the one named here.
    os.environ["AWS_DEFAULT_REGION"] = params["AWS::Region"]
    out = transform(tpl, params, _NoManagedPolicies())
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
