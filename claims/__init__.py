"""One module per paper (sankar2018, galanti2022, soudry2016, daneshmand2020).

Empty for now: the claim declaration and the first paper arrive with the claims framework.
"""
